/**
 * A choice shown by the label admin/console.ts gives it, as given ("Firm admin", as the web app says
 * it): AdminJS's own value component runs every label through startCase, which makes it "Firm Admin".
 */
import React from 'react';
import { Badge, ValueGroup } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';

export default function ChoiceProperty({ property, record, where }) {
  const { translateProperty } = useTranslation();
  const value = record?.params?.[property.path];
  const option = (property.availableValues || []).find((o) => o.value === value);
  const label = option ? option.label : value || '';
  if (where !== 'show') return React.createElement(Badge, null, label);
  return React.createElement(ValueGroup, { label: translateProperty(property.label, property.resourceId) }, label || '—');
}
