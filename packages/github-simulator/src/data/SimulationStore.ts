import {
  GenerationSettings,
  RepositoryDescriptor,
  generateRepository,
} from './generateRepository';
import { nodeId, repositoryId } from './ids';
import { hashSeed } from './random';
import { RepositoryState } from './RepositoryState';
import { SimUser } from './types';
import { Vocabulary, createVocabulary } from './vocabulary';

export interface StoreOptions {
  seed: number;
  /** Owners for generated repository names (ignored with `repositories`). */
  owners: string[];
  /** Explicit `owner/name` list; overrides `owners` and `repoCount`. */
  repositories?: string[];
  repoCount: number;
  pullsPerRepo: number;
  runsPerRepo: number;
  /** Generated history ends at this instant (epoch ms). */
  anchor: number;
  historyDays?: number;
}

const DEFAULT_HISTORY_DAYS = 120;

/**
 * The simulated GitHub: a fixed list of repositories whose contents are
 * generated on first access. Lookups by name are case-insensitive, as on
 * GitHub.
 */
export class SimulationStore {
  readonly vocabulary: Vocabulary;
  readonly settings: GenerationSettings;
  private readonly descriptors: RepositoryDescriptor[];
  private readonly byName = new Map<string, RepositoryDescriptor>();
  private readonly byId = new Map<number, RepositoryDescriptor>();
  private readonly states = new Map<number, RepositoryState>();

  constructor(options: StoreOptions) {
    this.vocabulary = createVocabulary(options.seed);
    this.settings = {
      seed: options.seed,
      pullsPerRepo: options.pullsPerRepo,
      runsPerRepo: options.runsPerRepo,
      anchor: options.anchor,
      historyDays: options.historyDays ?? DEFAULT_HISTORY_DAYS,
    };
    const owners = new Map<string, SimUser>();
    const ownerUser = (login: string) => {
      const key = login.toLowerCase();
      let user = owners.get(key);
      if (!user) {
        let id = 1_000_000 + (hashSeed('owner', key) % 90_000_000);
        const taken = new Set([...owners.values()].map(owner => owner.id));
        while (taken.has(id)) {
          id++;
        }
        user = {
          login,
          id,
          nodeId: nodeId('Organization', id),
          type: 'Organization',
          name: login,
          email: null,
        };
        owners.set(key, user);
      }
      return user;
    };

    const names = options.repositories?.length
      ? options.repositories.map(fullName => {
          const [owner, name] = fullName.split('/');
          return { owner, name };
        })
      : Array.from({ length: options.repoCount }, (_, index) => {
          const pool = this.vocabulary.repositoryNames;
          const base = pool[index % pool.length];
          return {
            owner: options.owners[index % options.owners.length],
            name: index < pool.length ? base : `${base}-${index}`,
          };
        });

    this.descriptors = names.map(({ owner, name }, index) => ({
      index,
      owner: ownerUser(owner),
      name,
    }));
    for (const descriptor of this.descriptors) {
      const key = `${descriptor.owner.login}/${descriptor.name}`.toLowerCase();
      if (this.byName.has(key)) {
        throw new Error(
          `Duplicate repository ${descriptor.owner.login}/${descriptor.name}`,
        );
      }
      this.byName.set(key, descriptor);
      this.byId.set(repositoryId(descriptor.index), descriptor);
    }
  }

  /** Full names (`owner/name`) of all repositories, in index order. */
  get repositoryNames(): string[] {
    return this.descriptors.map(
      descriptor => `${descriptor.owner.login}/${descriptor.name}`,
    );
  }

  get repositoryCount(): number {
    return this.descriptors.length;
  }

  repository(fullName: string): RepositoryState | undefined {
    const descriptor = this.byName.get(fullName.toLowerCase());
    return descriptor ? this.state(descriptor) : undefined;
  }

  repositoryById(id: number): RepositoryState | undefined {
    const descriptor = this.byId.get(id);
    return descriptor ? this.state(descriptor) : undefined;
  }

  repositoryAt(index: number): RepositoryState {
    return this.state(this.descriptors[index]);
  }

  /** Generates every repository that has not been generated yet. */
  allRepositories(): RepositoryState[] {
    return this.descriptors.map(descriptor => this.state(descriptor));
  }

  /** Repositories generated so far, without generating any others. */
  generatedRepositories(): RepositoryState[] {
    return [...this.states.values()];
  }

  private state(descriptor: RepositoryDescriptor): RepositoryState {
    let state = this.states.get(descriptor.index);
    if (!state) {
      state = generateRepository(descriptor, this.vocabulary, this.settings);
      this.states.set(descriptor.index, state);
    }
    return state;
  }
}
