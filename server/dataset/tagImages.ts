// The owner sets image attributes on many images at once ("weather: rain" on the 40 images of the
// rainy batch, "night" on what a file-name search found), as if someone had set them in each
// editor's Image panel: through the live rooms (open editors see it at once), one server update
// per task whose values change. Checked whole first (every name defined by the project, every
// value one its definition takes, every task in the project), so a bad request writes nothing;
// values a task already has are not written again, so a request cut short (a store that fails
// midway) is finished by sending it again.
import { ErrorCode, TandemError } from '../../shared/protocol/errors';
import type { TagImages } from '../../shared/protocol/http';
import { isValidAttributeValue, type AttributeValue } from '../../shared/schema/attributes';
import { imageMap, setImageAttributes } from '../../shared/schema/imageAttributes';
import { ServerOrigin } from '../../shared/schema/origins';
import type { Project, Storage } from '../storage/types';
import { mutateTaskRooms, type LiveRooms } from './rooms';

/** The values, checked against the project's definitions; throws `validation_failed`. */
function checkValues(project: Project, values: TagImages['values']): Record<string, AttributeValue | null> {
  const specs = new Map((project.settings?.imageAttributes ?? []).map((s) => [s.name, s]));
  for (const [name, v] of Object.entries(values)) {
    const spec = specs.get(name);
    if (!spec) throw new TandemError(ErrorCode.ValidationFailed, `the project has no image attribute ${JSON.stringify(name)}`);
    if (v !== null && !isValidAttributeValue(spec, v)) throw new TandemError(ErrorCode.ValidationFailed, `${JSON.stringify(v)} is not a value of ${JSON.stringify(name)} (${spec.type})`);
  }
  return values;
}

/** Sets the values on each task; `changed`: tasks written, `unchanged`: tasks that had them already. */
export async function tagImages(storage: Storage, rooms: LiveRooms, project: Project, body: TagImages, by: string): Promise<{ changed: number; unchanged: number }> {
  const values = checkValues(project, body.values);
  return mutateTaskRooms(storage, rooms, project, body.taskIds, 'task', (doc) => {
    const m = imageMap(doc);
    // Only what differs: Y.Map.set writes a new item even for the same value.
    const diff = Object.fromEntries(Object.entries(values).filter(([k, v]) => (v === null ? m.has(k) : m.get(k) !== v)));
    setImageAttributes(doc, diff, ServerOrigin, by);
  });
}
