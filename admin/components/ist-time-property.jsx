/**
 * Every date-time property of the console's lists and record pages (admin/console.ts gives it to
 * each): the time in IST with its label, where AdminJS's own component wrote it in the browser's zone
 * with no label (UTC on a server-side browser, IST on an Indian laptop: the People list and the
 * dashboard disagreed).
 */
import React from 'react';
import { ValueGroup } from '@adminjs/design-system';
import { useTranslation } from 'adminjs';
import { istTime } from './ist-time.js';

export default function IstTimeProperty({ property, record, where }) {
  const { translateProperty } = useTranslation();
  const text = istTime(record?.params?.[property.path]);
  if (where === 'show') return React.createElement(ValueGroup, { label: translateProperty(property.label, property.resourceId) }, text || '—');
  // Whole: a table cell would otherwise break the date at its dashes ("07-" / "12-2026").
  return React.createElement('span', { style: { whiteSpace: 'nowrap' } }, text);
}
