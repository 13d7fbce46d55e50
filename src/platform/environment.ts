// The two environments. The API key decides which one a request runs in (OFAuth's rule, docs/ofauth-wire-contract.md §2).
export const ENVIRONMENTS = ['sandbox', 'live'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
