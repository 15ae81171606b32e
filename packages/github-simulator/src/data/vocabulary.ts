import { Faker, base, en } from '@faker-js/faker';
import { nodeId } from './ids';
import { Random, WeightedTable } from './random';
import { AuthorAssociation, SimLabel, SimLicense, SimUser } from './types';

/**
 * Text and people shared by all repositories of one simulation. Built once
 * from a dedicated, seeded Faker instance; repositories pick from these pools
 * with their own random streams, which keeps generation fast and repeatable.
 */
export interface Vocabulary {
  authors: SimUser[];
  /** Selection weights for `authors` (a few people open most pull requests). */
  authorWeights: WeightedTable<SimUser>;
  githubActionsBot: SimUser;
  dependabotBot: SimUser;
  githubOrganization: SimUser;
  pullTitles: string[];
  pullBodies: string[];
  commitMessages: string[];
  reviewBodies: string[];
  branchTopics: string[];
  repositoryNames: string[];
  repositoryDescriptions: string[];
  dependencyNames: string[];
  labels: SimLabel[];
  licenses: SimLicense[];
  languages: string[];
  topics: string[];
}

const AUTHOR_COUNT = 20;

const LANGUAGES = [
  'TypeScript',
  'TypeScript',
  'Go',
  'Python',
  'Java',
  'Kotlin',
  'Rust',
  'Ruby',
];

const TOPICS = [
  'backstage',
  'microservice',
  'api',
  'frontend',
  'platform',
  'observability',
  'payments',
  'kubernetes',
  'terraform',
  'internal-tool',
];

const DEPENDENCIES = [
  'express',
  'react',
  'typescript',
  'lodash',
  'axios',
  'zod',
  'jest',
  'eslint',
  'webpack',
  'luxon',
  '@types/node',
  'prettier',
];

const LABEL_SPECS: Array<[string, string, string]> = [
  ['bug', 'd73a4a', "Something isn't working"],
  ['enhancement', 'a2eeef', 'New feature or request'],
  ['documentation', '0075ca', 'Improvements or additions to documentation'],
  ['dependencies', '0366d6', 'Pull requests that update a dependency file'],
  ['good first issue', '7057ff', 'Good for newcomers'],
  ['performance', 'fbca04', 'Makes things faster'],
  ['breaking-change', 'b60205', 'Changes a public interface'],
];

const REVIEW_BODIES = [
  '',
  'LGTM',
  'Looks good to me!',
  'Nice cleanup, thanks.',
  'Could we add a test for the error path?',
  'Please split this into smaller commits.',
  'Left a few nits, otherwise fine.',
  'This breaks the staging config, see inline comments.',
  'Approving to unblock, follow-up in a separate PR.',
];

const CONVENTIONAL_PREFIXES = [
  'feat',
  'fix',
  'chore',
  'refactor',
  'perf',
  'docs',
];

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

function uniqueValues(count: number, make: () => string): string[] {
  const values = new Set<string>();
  for (let attempt = 0; values.size < count; attempt++) {
    const candidate = make();
    const value = attempt < count * 20 ? candidate : `${candidate}-${attempt}`;
    if (value) {
      values.add(value);
    }
  }
  return [...values];
}

function botUser(login: string, id: number): SimUser {
  return {
    login,
    id,
    nodeId: nodeId('Bot', id),
    type: 'Bot',
    name: login,
    email: `${id}+${login.replace(/\[bot\]$/, '')}@users.noreply.github.com`,
  };
}

export function createVocabulary(seed: number): Vocabulary {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);

  const logins = uniqueValues(AUTHOR_COUNT, () =>
    slugify(faker.internet.username()).slice(0, 24),
  );
  const usedIds = new Set<number>();
  const authors: SimUser[] = logins.map(login => {
    let id = faker.number.int({ min: 100_000, max: 160_000_000 });
    while (usedIds.has(id)) {
      id++;
    }
    usedIds.add(id);
    const name = faker.person.fullName();
    return {
      login,
      id,
      nodeId: nodeId('User', id),
      type: 'User',
      name,
      email: `${login}@users.noreply.github.com`,
    };
  });

  const pullTitles = uniqueValues(400, () => {
    const phrase = `${faker.hacker.verb()} ${faker.hacker.adjective()} ${faker.hacker.noun()}`;
    if (faker.datatype.boolean({ probability: 0.4 })) {
      return `${faker.helpers.arrayElement(CONVENTIONAL_PREFIXES)}: ${phrase}`;
    }
    return capitalize(phrase);
  });

  const pullBodies = Array.from({ length: 60 }, () =>
    [
      '## Summary',
      faker.hacker.phrase(),
      '',
      '## Testing',
      `- ${faker.lorem.sentence()}`,
    ].join('\n'),
  );

  return {
    authors,
    authorWeights: new WeightedTable(
      authors.map((author, index) => [author, 1 / Math.pow(index + 1, 0.8)]),
    ),
    githubActionsBot: botUser('github-actions[bot]', 41898282),
    dependabotBot: botUser('dependabot[bot]', 49699333),
    githubOrganization: {
      login: 'github',
      id: 9919,
      nodeId: nodeId('Organization', 9919),
      type: 'Organization',
      name: 'GitHub',
      email: null,
    },
    pullTitles,
    pullBodies,
    commitMessages: uniqueValues(300, () => faker.git.commitMessage()),
    reviewBodies: REVIEW_BODIES,
    branchTopics: uniqueValues(120, () =>
      slugify(`${faker.hacker.verb()}-${faker.hacker.noun()}`),
    ),
    repositoryNames: uniqueValues(600, () =>
      slugify(`${faker.hacker.adjective()}-${faker.hacker.noun()}`),
    ),
    repositoryDescriptions: Array.from({ length: 80 }, () =>
      faker.company.catchPhrase(),
    ),
    dependencyNames: DEPENDENCIES,
    labels: LABEL_SPECS.map(([name, color, description], index) => {
      const id = 5_000_000_000 + index;
      return {
        id,
        nodeId: nodeId('Label', id),
        name,
        color,
        description,
        isDefault: index < 5,
      };
    }),
    licenses: [
      {
        key: 'mit',
        name: 'MIT License',
        spdxId: 'MIT',
        nodeId: 'MDc6TGljZW5zZTEz',
      },
      {
        key: 'apache-2.0',
        name: 'Apache License 2.0',
        spdxId: 'Apache-2.0',
        nodeId: 'MDc6TGljZW5zZTI=',
      },
    ],
    languages: LANGUAGES,
    topics: TOPICS,
  };
}

export function authorAssociationOf(
  vocabulary: Vocabulary,
  user: SimUser,
): AuthorAssociation {
  if (user.type === 'Bot') {
    return 'CONTRIBUTOR';
  }
  const index = vocabulary.authors.indexOf(user);
  if (index < 0) {
    return 'NONE';
  }
  if (index < 14) {
    return 'MEMBER';
  }
  return index < 18 ? 'CONTRIBUTOR' : 'COLLABORATOR';
}

export function pickAuthor(
  vocabulary: Vocabulary,
  rng: Random,
  exclude?: SimUser,
): SimUser {
  for (;;) {
    const author = rng.fromTable(vocabulary.authorWeights);
    if (author !== exclude) {
      return author;
    }
  }
}
