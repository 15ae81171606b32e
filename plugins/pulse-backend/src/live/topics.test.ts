import { topicsOf } from './topics';

describe('topicsOf', () => {
  it.each([
    ['github.pull_request.updated', ['pull-requests', 'activity']],
    ['github.workflow_run.updated', ['workflow-runs', 'activity']],
    ['github.deployment.updated', ['deployments', 'activity']],
    ['github.sync.progress', ['sync']],
    ['incident.acknowledged', ['incidents', 'oncall', 'activity']],
    ['oncall.handoff', ['oncall', 'activity']],
    ['something.else', ['activity']],
  ])('%s changes %j', (type, topics) => {
    expect(topicsOf(type)).toEqual(topics);
  });
});
