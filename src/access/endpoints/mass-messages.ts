// Access: mass-messages (being written: issue 14).
import { defineFamily } from './family.ts';

export const family = defineFamily({
  name: 'mass-messages',
  permissions: [],
  endpoints: [],
});
