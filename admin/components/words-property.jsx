/**
 * A code shown in words (admin/console.ts gives it to the audit trail's action): the words the record
 * carries in the property named by `custom.words` ("Signed in", computed in admin/models.ts by the
 * dashboard's own label function), never the code (`auth.login`) alone. The record page adds the
 * code, which is what an audit export and the API carry.
 */
import React from 'react';
import { ValueGroup } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';

export default function WordsProperty({ property, record, where }) {
  const { translateProperty } = useTranslation();
  const code = record?.params?.[property.path];
  const words = record?.params?.[property.custom?.words] || code || '';
  if (where !== 'show') return React.createElement('span', { title: code }, words);
  return React.createElement(ValueGroup, { label: translateProperty(property.label, property.resourceId) }, code && code !== words ? `${words} (${code})` : words || '—');
}
