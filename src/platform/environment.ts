// The two environments. The API key decides which one a request runs in (OFAuth's rule).
export const ENVIRONMENTS = ['sandbox', 'live'] as const;
export type Environment = (typeof ENVIRONMENTS)[number];
