import { describe, expect, it } from 'vitest';
import { routeLabel } from './observeHttp';

describe('routeLabel', () => {
  it('replaces ids by :id so the label set stays bounded', () => {
    expect(routeLabel('/api/tasks/Ab12xy/export')).toBe('/api/tasks/:id/export');
    expect(routeLabel('/api/tasks/T1/objects/o9/history')).toBe('/api/tasks/:id/objects/:id/history');
    expect(routeLabel('/api/projects/P1/members')).toBe('/api/projects/:id/members');
    expect(routeLabel('/api/projects')).toBe('/api/projects');
    expect(routeLabel('/metrics')).toBe('/metrics');
    expect(routeLabel('/tasks/abc')).toBe('(app)');
    expect(routeLabel('/_app/immutable/x.js')).toBe('(app)');
  });
});
