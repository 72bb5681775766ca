import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeRle } from '../codecs/rle';
import { isTandemError } from '../protocol/errors';
import { initTaskDoc, listObjects, objectsMap, readMeta, readObject, SCHEMA_VERSION } from './annotation';
import type { ObjectId } from './ids';
import { docSchemaVersion, migrateTaskDoc, MIGRATIONS, type MigrationStep } from './migrations';
import { ServerOrigin } from './origins';

const mask = encodeRle(new Uint8Array([0, 1, 1, 0, 0, 1]), 3, 2);

/** A version-0 document: no schemaVersion, plain-JSON objects and clicks, missing fields. */
function v0Doc(): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    const meta = doc.getMap('meta');
    meta.set('taskId', 'old');
    meta.set('width', 3);
    meta.set('height', 2);
    const objects = doc.getMap<unknown>('objects');
    objects.set('plain', { label: 'cat', mask, clicks: [{ x: 1, y: 1, positive: true, by: 'ana', at: 5 }, { x: 'bad' }], createdBy: 'ana', createdAt: 10, hidden: true });
    const ymap = new Y.Map<unknown>();
    objects.set('ymap', ymap);
    ymap.set('label', 'dog');
    ymap.set('mask', { size: [2, 3], counts: 'broken!' });
    ymap.set('clicks', [{ x: 2, y: 0, positive: false, by: 'bo', at: 7 }]);
    ymap.set('updatedBy', 'bo');
    ymap.set('updatedAt', 20);
    ymap.set('locked', 'yes');
  });
  return doc;
}

describe('task document migrations', () => {
  it('has one registered step per version below the current one', () => {
    expect(MIGRATIONS.map((s) => s.from)).toEqual([...Array(SCHEMA_VERSION).keys()]);
  });

  it('brings a v0 document to v1 with every object valid', () => {
    const doc = v0Doc();
    expect(docSchemaVersion(doc)).toBe(0);
    expect(listObjects(doc)).toEqual([]); // unreadable before
    expect(migrateTaskDoc(doc, ServerOrigin)).toEqual({ from: 0, to: 1 });
    expect(readMeta(doc)).toEqual({ schemaVersion: 1, taskId: 'old', width: 3, height: 2 });
    expect(readObject(doc, 'plain' as ObjectId)).toEqual({
      id: 'plain', label: 'cat', mask, clicks: [{ x: 1, y: 1, positive: true, by: 'ana', at: 5 }],
      createdBy: 'ana', createdAt: 10, updatedBy: 'ana', updatedAt: 10, hidden: true,
    });
    expect(readObject(doc, 'ymap' as ObjectId)).toEqual({
      id: 'ymap', label: 'dog', mask: null, clicks: [{ x: 2, y: 0, positive: false, by: 'bo', at: 7 }],
      createdBy: 'bo', createdAt: 20, updatedBy: 'bo', updatedAt: 20,
    });
    expect(objectsMap(doc).get('plain')!.get('clicks')).toBeInstanceOf(Y.Array);
  });

  it('is idempotent and converges when two peers migrate the same v0 document at once', () => {
    const a = v0Doc();
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    migrateTaskDoc(a);
    migrateTaskDoc(b);
    expect(migrateTaskDoc(a)).toEqual({ from: 1, to: 1 });
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b));
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a));
    expect(listObjects(a)).toEqual(listObjects(b));
    expect(listObjects(a)).toHaveLength(2);
  });

  it('initTaskDoc leaves a v0 document with objects for the migration, and marks a fresh one v1', () => {
    const old = v0Doc();
    initTaskDoc(old, { taskId: 'old', width: 3, height: 2 });
    expect(docSchemaVersion(old)).toBe(0);
    migrateTaskDoc(old);
    expect(listObjects(old)).toHaveLength(2);
    const fresh = new Y.Doc();
    initTaskDoc(fresh, { taskId: 'new', width: 4, height: 4 });
    expect(docSchemaVersion(fresh)).toBe(1);
    expect(migrateTaskDoc(fresh)).toEqual({ from: 1, to: 1 });
  });

  it('refuses a document newer than this build', () => {
    const doc = new Y.Doc();
    doc.getMap('meta').set('schemaVersion', SCHEMA_VERSION + 1);
    let code: string | undefined;
    try {
      migrateTaskDoc(doc);
    } catch (e) {
      code = isTandemError(e) ? e.code : 'other';
    }
    expect(code).toBe('conflict');
  });

  it('runs a registry of steps in order in one transaction', () => {
    const doc = new Y.Doc();
    const order: number[] = [];
    let transactions = 0;
    doc.on('afterTransaction', () => transactions++);
    const steps: MigrationStep[] = [{ from: 0, describe: 'test', run: () => order.push(0) }];
    expect(migrateTaskDoc(doc, undefined, steps)).toEqual({ from: 0, to: 1 });
    expect(order).toEqual([0]);
    expect(transactions).toBe(1);
    expect(docSchemaVersion(doc)).toBe(1);
  });
});
