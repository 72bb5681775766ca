// Opens a task for editing: metadata over HTTP, the document over y-websocket (+ IndexedDB),
// inference over socket.io, presence over awareness. Returns the EditorState and its teardown.
import { canSegment } from '../../../shared/protocol/roles';
import { newId } from '../../../shared/schema/ids';
import { LocalOrigin } from '../../../shared/schema/origins';
import { EditorSession } from '../editor/EditorSession';
import { Api } from '../sync/api';
import { InferenceSocket } from '../sync/inferenceSocket';
import { colorFor, PresencePublisher } from '../sync/presence';
import { TaskConnection } from '../sync/TaskConnection';
import { EditorState } from './EditorState.svelte';
import { claimFor } from './taskNav';
import { watchDetectors } from '../sync/watchDetectors';

/** How often an open editor re-reads the project's labels (ms). */
const LABELS_REFRESH_MS = 60_000;

export async function createEditor(opts: { origin: string; token: string; taskId: string }) {
  const api = new Api(opts.token, opts.origin);
  const [task, me] = await Promise.all([api.task(opts.taskId), api.me()]);
  const [project, members, tasks] = await Promise.all([api.project(task.projectId), api.members(task.projectId).catch(() => []), api.tasks(task.projectId).catch(() => [])]);
  const conn = new TaskConnection({ origin: opts.origin, room: `task:${opts.taskId}`, token: opts.token });
  const canEdit = task.canWrite.task;
  const inference = canEdit && canSegment(task.role) ? new InferenceSocket(opts.origin, opts.token, opts.taskId) : null;
  const session = new EditorSession({
    doc: conn.doc,
    taskId: opts.taskId,
    width: task.width,
    height: task.height,
    user: { id: me.id, name: me.name },
    canEdit,
    label: project.labels[0]?.name ?? 'object',
    origin: new LocalOrigin(me.id, newId(8)),
    inference,
  });

  const presence = new PresencePublisher(conn.awareness, { id: me.id, name: me.name, color: colorFor(me.id) });
  const claimOf = claimFor(me.id, task.role, new Map(members.map((m) => [m.userId, m.role])));
  const state = new EditorState({ session, conn, presence, labels: project.labels, guide: project.guide ?? '', role: task.role, taskName: task.name, taskId: opts.taskId, projectId: task.projectId, tasks, claimOf, imageUrlOf: (id) => api.imageUrl(id), prefetchAhead: (id) => inference?.prefetchAhead(id) });
  state.names = Object.fromEntries(members.map((m) => [m.userId, m.name]));
  state.projectNoOverlap = project.settings?.noOverlap ?? false;
  state.imageSpecs = project.settings?.imageAttributes ?? [];
  state.checkRules = project.settings?.checks ?? null;
  // A guide this browser has not shown yet opens over the editor once (then from the toolbar).
  state.noteGuide();
  if (state.guideUnseen) state.openGuide();
  // The picker appears once the list is in; the smart tools use the default model meanwhile.
  if (inference) api.models().then((ms) => (state.models = ms), () => {});
  // Asked again while none is listed, so "Find objects" shows as soon as a detector is there.
  const stopDetectors = inference ? watchDetectors(api, (ds) => (state.detectors = ds)) : () => {};
  // The project's labels and guide change while people work (a new label, a rename, new
  // attributes, a rule added to the guide), and so do its members (a QA lead added since, whose comments would show an id): re-read both when the
  // window comes back into focus and every LABELS_REFRESH_MS.
  const refreshLabels = () => {
    api.project(task.projectId).then(
      (p) => {
        if (JSON.stringify(p.labels) !== JSON.stringify(state.labels)) state.labels = p.labels;
        if ((p.guide ?? '') !== state.guide) state.guide = p.guide ?? '';
        // The models too: a worker that joined since (the network model, a GPU worker's) changes
        // the list and which one is the server's default.
        if (inference) {
          api.models().then(
            (ms) => {
              if (JSON.stringify(ms) !== JSON.stringify(state.models)) state.models = ms;
            },
            () => {},
          );
          api.detectors().then(
            (ds) => {
              if (JSON.stringify(ds) !== JSON.stringify(state.detectors)) state.detectors = ds;
            },
            () => {},
          );
        }
        state.projectNoOverlap = p.settings?.noOverlap ?? false;
        const imageSpecs = p.settings?.imageAttributes ?? [];
        if (JSON.stringify(imageSpecs) !== JSON.stringify(state.imageSpecs)) state.imageSpecs = imageSpecs;
        const rules = p.settings?.checks ?? null;
        if (JSON.stringify(rules) !== JSON.stringify(state.checkRules)) state.checkRules = rules;
        state.noteGuide(); // a change while working marks the Guide button, it does not interrupt
      },
      () => {}, // offline: the labels in hand stay
    );
    api.members(task.projectId).then(
      (ms) => {
        // Merged: a member taken out since keeps their name on what they wrote.
        const names = { ...state.names, ...Object.fromEntries(ms.map((m) => [m.userId, m.name])) };
        if (JSON.stringify(names) !== JSON.stringify(state.names)) state.names = names;
      },
      () => {},
    );
  };
  const labelTimer = setInterval(refreshLabels, LABELS_REFRESH_MS);
  window.addEventListener('focus', refreshLabels);
  // The server may still refuse writes (role changed, read-only socket): follow what it says.
  const offConn = conn.onChange(() => {
    if (conn.readOnly || conn.closedReason) session.setCanEdit(false);
  });

  return {
    state,
    imageUrl: api.imageUrl(opts.taskId),
    destroy() {
      clearInterval(labelTimer);
      stopDetectors();
      window.removeEventListener('focus', refreshLabels);
      offConn();
      state.destroy();
      presence.destroy();
      session.destroy();
      inference?.destroy();
      conn.destroy();
    },
  };
}
