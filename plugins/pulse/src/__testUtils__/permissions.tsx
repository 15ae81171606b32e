import {
  AuthorizeResult,
  BasicPermission,
  EvaluatePermissionRequest,
  Permission,
  ResourcePermission,
} from '@backstage/plugin-permission-common';
import { usePermission } from '@backstage/plugin-permission-react';
import { mockApis } from '@backstage/test-utils';
import { screen } from '@testing-library/react';
import { ReactNode } from 'react';
import { SWRConfig } from 'swr';

const ALLOW = AuthorizeResult.ALLOW;
const DENY = AuthorizeResult.DENY;

/** Allows every permission but the ones given, whatever the resource. */
export function allowAllBut(...denied: Permission[]) {
  const names = denied.map(permission => permission.name);
  return (request: EvaluatePermissionRequest) =>
    !names.includes(request.permission.name);
}

/**
 * A permission API for a test, from `mockApis.permission`: it allows what `allow` says (everything
 * by default), and `authorize` records every `EvaluatePermissionRequest`, to assert what was asked
 * about which resource. Register `api` for `permissionApiRef`.
 */
export function createPermissionApi(
  allow: (request: EvaluatePermissionRequest) => boolean = () => true,
) {
  const authorize = jest.fn((request: EvaluatePermissionRequest) =>
    allow(request) ? ALLOW : DENY,
  );
  return { api: mockApis.permission({ authorize }), authorize };
}

// `usePermission` keeps its answers in SWR's cache for the page's lifetime, keyed by permission
// and resource, and does not ask again for two seconds. Within a test file that cache would hand a
// test the answer an earlier test's permission API gave. `@backstage/plugin-permission-react`
// brings SWR; its own tests isolate the cache the same way.

/** Gives what it wraps a permission cache of its own: wrap every render that asks permissions. */
export function FreshPermissionCache(props: { children: ReactNode }) {
  return (
    <SWRConfig value={{ provider: () => new Map() }}>
      {props.children}
    </SWRConfig>
  );
}

/** A question a component asks `usePermission`: a permission, for a resource if it has a type. */
export type PermissionQuestion =
  | { permission: BasicPermission; resourceRef?: never }
  | { permission: ResourcePermission; resourceRef: string };

function probeId(question: PermissionQuestion) {
  return `permission answered: ${question.permission.name} ${
    question.resourceRef ?? ''
  }`;
}

function PermissionProbe(props: { question: PermissionQuestion }) {
  const { loading } = usePermission(props.question);
  return loading ? null : <span data-testid={probeId(props.question)} />;
}

/**
 * Asks the given questions alongside the component under test. Every component that asks the same
 * question under the same cache gets the answer in the same render, so after
 * {@link findPermissionAnswer} a test can assert that a denied action is not offered, rather than
 * not offered yet.
 */
export function PermissionProbes(props: { questions?: PermissionQuestion[] }) {
  return (
    <>
      {props.questions?.map(question => (
        <PermissionProbe key={probeId(question)} question={question} />
      ))}
    </>
  );
}

/** Waits until the components rendered with a {@link PermissionProbes} have their answer. */
export async function findPermissionAnswer(question: PermissionQuestion) {
  await screen.findByTestId(probeId(question));
}
