/**
 * A person, or an email address, in the console's lists and record pages (admin/console.ts gives it
 * to each such property). AdminJS's table cells break a long word anywhere, so an address wrapped
 * mid-word ("asha@exam" / "ple.in"): here the address is kept whole and only the name may wrap.
 * A reference to a person ("Name <email>", the users resource's title) links to their record, as
 * AdminJS's own reference component does; with no person behind it (a job, an emailed link) it shows
 * the words the record carries in the property named by `custom.fallback` (admin/models.ts).
 */
import React from 'react';
import { Link } from 'react-router-dom';
import { ValueGroup } from '@adminjs/design-system';
import { useTranslation, ViewHelpers } from 'adminjs';

const WHOLE = { whiteSpace: 'nowrap' };

/** "Name <email>" with the address unbroken; a bare address unbroken; anything else as it is. */
function PersonText({ text }) {
  const match = /^(.*) (<[^<>\s]+>)$/.exec(text);
  if (match) return React.createElement(React.Fragment, null, `${match[1]} `, React.createElement('span', { style: WHOLE }, match[2]));
  return React.createElement('span', { style: text.includes('@') ? WHOLE : undefined }, text);
}

function value({ property, record }) {
  const raw = record?.params?.[property.path];
  if (!property.reference) return raw ? React.createElement(PersonText, { text: String(raw) }) : null;
  const populated = record?.populated?.[property.path];
  const fallback = property.custom?.fallback ? record?.params?.[property.custom.fallback] : undefined;
  const text = populated?.title || fallback || raw;
  if (!text) return null;
  const shown = React.createElement(PersonText, { text: String(text) });
  if (!raw || !populated?.recordActions?.some((action) => action.name === 'show')) return shown;
  const href = new ViewHelpers().recordActionUrl({ resourceId: property.reference, recordId: raw, actionName: 'show' });
  return React.createElement(Link, { to: href }, shown);
}

export default function PersonProperty(props) {
  const { translateProperty } = useTranslation();
  const shown = value(props);
  if (props.where === 'show') return React.createElement(ValueGroup, { label: translateProperty(props.property.label, props.property.resourceId) }, shown || '—');
  return shown;
}
