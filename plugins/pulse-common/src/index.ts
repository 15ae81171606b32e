/**
 * Types, permissions and API contracts shared by the Pulse frontend and backend plugins.
 *
 * @packageDocumentation
 */

export * from './types';
export * from './permissions';
export * from './annotations';
export * from './events';
export * from './github';
export * from './oncall';
export * from './metrics';
