// The owner fills attribute values on the objects of a label that have none, across the tasks a
// list shows: an attribute marked required after the work began ("truncated" on 2,000 vehicles
// already drawn) is set to what most of them are in one go, instead of in each editor. Only
// objects without a valid value for an attribute get it: values people set stay, and so do
// locked objects. Written through the live rooms as one server update per task (open editors see
// it at once; each object's history records the change). Checked whole first (the label and its
// attributes defined by the project, every value one its definition takes, every task in the
// project), so a bad request writes nothing; sent again, it finds nothing left to fill.
import * as Y from 'yjs';
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { FillObjectAttributes } from '../../shared/protocol/http';
import { objectsMap, setAttributes } from '../../shared/schema/annotation';
import { isValidAttributeValue, type AttributeSpec, type AttributeValue } from '../../shared/schema/attributes';
import type { ObjectId } from '../../shared/schema/ids';
import { ServerOrigin } from '../../shared/schema/origins';
import type { Project, Storage } from '../storage/types';
import { mutateTaskRooms, type LiveRooms } from './rooms';

/** The label's definitions of the values given; throws `validation_failed`. */
function checkValues(project: Project, body: FillObjectAttributes): Array<[AttributeSpec, AttributeValue]> {
  const label = project.labels.find((l) => l.name === body.label);
  if (!label) throw new TandemError(ErrorCode.ValidationFailed, `the project has no label ${JSON.stringify(body.label)}`);
  return Object.entries(body.values).map(([name, v]) => {
    const spec = label.attributes?.find((s) => s.name === name);
    if (!spec) throw new TandemError(ErrorCode.ValidationFailed, `label ${JSON.stringify(body.label)} has no attribute ${JSON.stringify(name)}`);
    if (!isValidAttributeValue(spec, v)) throw new TandemError(ErrorCode.ValidationFailed, `${JSON.stringify(v)} is not a value of ${JSON.stringify(name)} (${spec.type})`);
    return [spec, v];
  });
}

/** Fills the values; `changed` / `unchanged`: tasks written or left, `objects`: objects given a value. */
export async function fillObjectAttributes(storage: Storage, rooms: LiveRooms, project: Project, body: FillObjectAttributes, by: string): Promise<{ changed: number; unchanged: number; objects: number }> {
  const values = checkValues(project, body);
  let objects = 0;
  const result = await mutateTaskRooms(storage, rooms, project, body.taskIds, 'task', (doc) => {
    doc.transact(() => {
      objectsMap(doc).forEach((o, id) => {
        if (!(o instanceof Y.Map) || o.get('label') !== body.label || o.get('locked') === true) return;
        const stored = o.get('attributes');
        const has = (name: string) => (stored instanceof Y.Map ? stored.get(name) : undefined);
        const missing = Object.fromEntries(values.filter(([spec]) => !isValidAttributeValue(spec, has(spec.name))).map(([spec, v]) => [spec.name, v]));
        if (!Object.keys(missing).length) return;
        setAttributes(doc, id as ObjectId, missing, by, ServerOrigin);
        objects++;
      });
    }, ServerOrigin);
  });
  return { ...result, objects };
}
