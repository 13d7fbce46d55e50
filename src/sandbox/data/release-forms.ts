// Release forms: consent documents for people who appear in a creator's content, and invites sent to other
// creators (who then become taggable).
import type { Faker } from '@faker-js/faker';
import { pastTime } from './fixture-faker.ts';
import type { Relation } from './people.ts';

export interface ReleaseForm {
  id: number;
  name: string;
  type: 'document' | 'invite';
  status: 'approved' | 'pending' | 'rejected';
  createdAtMs: number;
  /** The creator an invite went to; null for documents. */
  userId: number | null;
}

export function generateReleaseForms(faker: Faker, isPerformer: boolean, relations: Relation[]): ReleaseForm[] {
  if (!isPerformer) return [];
  let id = faker.number.int({ min: 700_000, max: 790_000 });
  const creators = relations.filter((r) => r.role === 'subscription').map((r) => r.person.id);
  const forms: ReleaseForm[] = [];
  for (let i = faker.number.int({ min: 1, max: 4 }); i > 0; i--) {
    forms.push({ id: id++, name: faker.person.fullName(), type: 'document', status: faker.helpers.arrayElement(['approved', 'approved', 'pending']), createdAtMs: pastTime(faker, 400), userId: null });
  }
  for (const userId of creators) {
    forms.push({ id: id++, name: `Invite ${userId}`, type: 'invite', status: faker.helpers.arrayElement(['approved', 'pending', 'rejected']), createdAtMs: pastTime(faker, 400), userId });
  }
  return forms.sort((a, b) => b.createdAtMs - a.createdAtMs);
}
