/** A firm's client as the API answers it. */
export type Client = {
  id: string;
  name: string;
  gstin: string;
  email: string;
  filingFrequency: 'monthly' | 'quarterly';
  stateCode: string;
  active: boolean;
  createdAt: string;
  updatedAt: string;
};
