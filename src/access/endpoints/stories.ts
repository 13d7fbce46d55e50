// Access: stories (being written: issue 14).
import { defineFamily } from './family.ts';

export const family = defineFamily({
  name: 'stories',
  permissions: [],
  endpoints: [],
});
