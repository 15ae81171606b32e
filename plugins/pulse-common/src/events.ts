/**
 * One change Pulse made, as published to the event log and carried by the live stream.
 * `entityRef` is the catalog entity the change belongs to, or null for changes that belong to none
 * (e.g. a schedule handoff).
 */
export interface PulseDomainEvent<
  TType extends string = string,
  TPayload = unknown,
> {
  id: string;
  /** Monotonic position in the event log; later events have larger sequences. */
  sequence: number;
  entityRef: string | null;
  type: TType;
  payload: TPayload;
  /** ISO 8601. */
  occurredAt: string;
}

/** What a domain hands to the publisher; the log assigns `id`, `sequence` and, if absent, `occurredAt`. */
export interface NewPulseDomainEvent<
  TType extends string = string,
  TPayload = unknown,
> {
  entityRef: string | null;
  type: TType;
  payload: TPayload;
  occurredAt?: Date;
}
