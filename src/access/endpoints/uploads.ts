// Access: uploads (being written: issue 14).
import { defineFamily } from './family.ts';

export const family = defineFamily({
  name: 'uploads',
  permissions: [],
  endpoints: [],
});
