/**
 * The search attributes every firm's workflows carry, so ops find a client's period in the Temporal
 * UI. One definition for the processes that set them and the dev server that registers them.
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

export const TENANT_SEARCH_ATTRIBUTES = {
  firm: defineSearchAttributeKey('TaalmelFirmId', SearchAttributeType.KEYWORD),
  client: defineSearchAttributeKey('TaalmelClientId', SearchAttributeType.KEYWORD),
  period: defineSearchAttributeKey('TaalmelPeriod', SearchAttributeType.KEYWORD),
};

/** `name=Type` for `temporal server start-dev --search-attribute`. */
export const SEARCH_ATTRIBUTE_DECLARATIONS = Object.values(TENANT_SEARCH_ATTRIBUTES).map((key) => `${key.name}=Keyword`);

export function tenantSearchAttributes(of: { firmId: string; clientId: string; period: string }): SearchAttributePair[] {
  return [
    { key: TENANT_SEARCH_ATTRIBUTES.firm, value: of.firmId },
    { key: TENANT_SEARCH_ATTRIBUTES.client, value: of.clientId },
    { key: TENANT_SEARCH_ATTRIBUTES.period, value: of.period },
  ];
}
