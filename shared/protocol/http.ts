// Payload schemas of the HTTP API (contract 2 of DESIGN.md and the endpoints the editor uses).
// The server validates every JSON body against these; the browser may reuse them for its forms.
import { z } from 'zod';
import { AttributeSpecListSchema } from '../schema/attributes';
import { CheckRulesSchema, type CheckCounts } from '../schema/objectChecks';
import { TaskFlagReasons } from '../schema/review';
import { MemberRoles } from './roles';

/** A label colour, `#rrggbb`. */
export const ColorSchema = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'colour must be #rrggbb');

/** One project label: a name, its display colour and the attributes its objects carry. */
export const LabelSchema = z.object({
  name: z.string().trim().min(1).max(100),
  color: ColorSchema,
  attributes: AttributeSpecListSchema.optional(),
  /** What counts as this label and what does not (the editor's guide and label picker show it). */
  description: z.string().trim().max(1000).optional(),
});
/** {@link LabelSchema}'s type. */
export type LabelInput = z.infer<typeof LabelSchema>;

/** A list of labels with unique names. */
export const LabelListSchema = z
  .array(LabelSchema)
  .max(1000)
  .refine((ls) => new Set(ls.map((l) => l.name)).size === ls.length, 'label names must be unique');

/** Body of `POST /api/projects`. */
export const CreateProjectSchema = z.object({
  name: z.string().trim().min(1).max(200),
  labels: LabelListSchema.optional(),
  /** A project to copy the setup of (the next batch of a series): its labels with their
   *  attributes and descriptions, annotation guide and settings (`labels` given here win). */
  from: z.string().min(1).max(64).optional(),
  /** With `from`: its members too, with their roles (the same people, the same sign-in links). */
  members: z.boolean().optional(),
});
/** {@link CreateProjectSchema}'s type. */
export type CreateProject = z.infer<typeof CreateProjectSchema>;

const LabelRenameSchema = z.object({ from: z.string().min(1).max(100), to: z.string().trim().min(1).max(100) });
/**
 * Body of `POST /api/projects/:id/labels/rename`: a label's new name, or several at once (applied
 * together, so two labels can swap names); their objects follow.
 */
export const RenameLabelSchema = z.union([LabelRenameSchema, z.object({ renames: z.array(LabelRenameSchema).min(1).max(1000) })]);

/** Most tasks one `POST /api/projects/:id/image-attributes` sets values on. */
export const MAX_TAGGED_TASKS = 10_000;
/**
 * Body of `POST /api/projects/:id/image-attributes`: image attribute values (null: back to the
 * default) set on each of the tasks, as one person would in each editor's Image panel.
 */
export const TagImagesSchema = z.object({
  taskIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_TAGGED_TASKS),
  values: z.record(z.string().min(1).max(60), z.union([z.boolean(), z.string().max(1000), z.number(), z.null()])).refine((v) => Object.keys(v).length > 0, 'values must name at least one attribute'),
});
/** {@link TagImagesSchema}'s type. */
export type TagImages = z.infer<typeof TagImagesSchema>;

/**
 * Body of `POST /api/projects/:id/flags`: a flag put on each of the tasks (a reason, a note), as
 * the editor's flag button does, or taken off (`flag: null`).
 */
export const FlagTasksSchema = z.object({
  taskIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_TAGGED_TASKS),
  flag: z.object({ reason: z.enum(TaskFlagReasons), note: z.string().max(500).optional() }).nullable(),
});
/** {@link FlagTasksSchema}'s type. */
export type FlagTasks = z.infer<typeof FlagTasksSchema>;

/**
 * Body of `POST /api/projects/:id/object-attributes`: values set on every object of `label` in
 * each task that has none for them (a required attribute added after the work began, filled with
 * what most objects are); values people set stay.
 */
export const FillObjectAttributesSchema = z.object({
  taskIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_TAGGED_TASKS),
  label: z.string().min(1).max(100),
  values: z.record(z.string().min(1).max(60), z.union([z.boolean(), z.string().max(1000), z.number()])).refine((v) => Object.keys(v).length > 0, 'values must name at least one attribute'),
});
/** {@link FillObjectAttributesSchema}'s type. */
export type FillObjectAttributes = z.infer<typeof FillObjectAttributesSchema>;

/**
 * Body of `POST /api/projects/:id/references` (the tasks become reference tasks: what each holds
 * now is kept as the answer, the image goes back to the team as new work) and of
 * `POST /api/projects/:id/references/remove` (taken off the list; `restore`: the answer put back as
 * the task's annotation, replacing what the team drew).
 */
export const ReferenceTasksSchema = z.object({
  taskIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_TAGGED_TASKS),
  restore: z.boolean().optional(),
});
/** {@link ReferenceTasksSchema}'s type. */
export type ReferenceTasks = z.infer<typeof ReferenceTasksSchema>;

/** Body of `POST /api/projects/:id/remove-specks`: the tasks whose masks lose their specks. */
export const TaskIdsSchema = z.object({ taskIds: z.array(z.string().min(1).max(64)).min(1).max(MAX_TAGGED_TASKS) });

/** Body of `PUT /api/projects/:id/labels`: the full new label list. */
export const SetLabelsSchema = z.object({ labels: LabelListSchema });
/** {@link SetLabelsSchema}'s type. */
export type SetLabels = z.infer<typeof SetLabelsSchema>;

/** A project's annotation guide: plain text, paragraphs and lists as typed. */
export const GuideSchema = z.string().max(20_000);
/** Body of `PUT /api/projects/:id/guide`. */
export const SetGuideSchema = z.object({ guide: GuideSchema });

/** Body of `PUT /api/projects/:id/name`. */
export const SetProjectNameSchema = z.object({ name: z.string().trim().min(1).max(200) });

/** Pre-labelling new uploads: detector class → project label, and the least score (the detector's when absent). */
export const AutoPrelabelSchema = z
  .object({
    labels: z.record(z.string().min(1).max(100), z.string().min(1).max(100)).refine((m) => Object.keys(m).length > 0, 'choose at least one class'),
    threshold: z.number().min(0.05).max(1).optional(),
    /** A class's own least score. */
    thresholds: z.record(z.string().min(1).max(100), z.number().min(0.05).max(1)).optional(),
  })
  .strict();
export type AutoPrelabel = z.infer<typeof AutoPrelabelSchema>;

/**
 * A project's rules for everyone in it (the owner's): `noOverlap` keeps masks apart in every
 * editor; `autoPrelabel` runs the detector over every image uploaded from then on (null: off).
 */
/**
 * The owner's rules for the project. `imageAttributes`: what each image carries as a whole (the
 * weather, the scene, "contains people"), defined as a label's attributes are, set in the editor.
 * `checks`: which checks of the objects run (shared/schema/objectChecks.ts CheckRules).
 */
export const ProjectSettingsSchema = z
  .object({ noOverlap: z.boolean().default(false), autoPrelabel: AutoPrelabelSchema.nullable().optional(), imageAttributes: AttributeSpecListSchema.optional(), checks: CheckRulesSchema.optional() })
  .strict();
export type ProjectSettings = z.infer<typeof ProjectSettingsSchema>;

/** Body of `PUT /api/projects/:id/members/:userId`: the member's new role. */
export const SetRoleSchema = z.object({ role: z.enum(MemberRoles) });

/** Body of `POST /api/projects/:id/members`. */
export const AddMemberSchema = z.object({
  name: z.string().trim().min(1).max(200),
  role: z.enum(MemberRoles),
});
/** {@link AddMemberSchema}'s type. */
export type AddMember = z.infer<typeof AddMemberSchema>;

/** Query of `POST /api/projects/:id/tasks`: the file name shown for the image. */
export const UploadTaskQuerySchema = z.object({
  name: z.string().trim().min(1).max(500),
  /** `1`: an image with the same bytes in the project already is answered (200, `existing: true`) instead of added again. */
  ifNew: z.enum(['0', '1']).optional(),
});

/** Most URLs one `POST /api/projects/:id/tasks/from-urls` takes (a client sends more in turns). */
export const MAX_IMPORT_URLS = 100;
/** Body of `POST /api/projects/:id/tasks/from-urls`: images the server fetches and adds as tasks. */
export const ImportUrlsSchema = z.object({
  urls: z
    .array(z.string().max(4000).url().refine((u) => /^https?:/i.test(u), 'http or https URLs only'))
    .min(1)
    .max(MAX_IMPORT_URLS),
});
/** One URL's outcome: the task it became (`existing`: the project had that image already), or why it did not. */
export type ImportUrlResult = { url: string; id: string; name: string; width: number; height: number; existing?: true } | { url: string; error: { code: string; message: string } };

/** Query of `GET /api/tasks/:id/export`. */
export const ExportQuerySchema = z.object({
  format: z.string().default('coco'),
});

/** Response of `POST /api/projects`. */
export interface CreatedProject {
  id: string;
}
/** Response of `POST /api/projects/:id/tasks`. */
export interface CreatedTask {
  id: string;
  width: number;
  height: number;
}
/** Response of `POST /api/projects/:id/members`. */
export interface CreatedMember {
  userId: string;
  token: string;
}
/** One row of `GET /api/projects/:id/tasks` (more keys may be added). */
export interface TaskSummary {
  id: string;
  name: string;
  width: number;
  height: number;
  status: string;
  mime: string;
  createdAt: number;
  /** User id of the member the task is assigned to, or null. */
  assignee: string | null;
  /** Why the task is flagged (`blurry`, `not_relevant`, `duplicate`, `corrupt`, `other`), or null. */
  flag: string | null;
  /** Objects whose current verdict is "changes requested", plus a reviewer's open requests on the image itself. */
  toFix: number;
  /** Unresolved comment threads. */
  openThreads: number;
  /** Member names @mentioned in those threads, sorted. */
  mentioned: string[];
  /** Objects per label in the task's annotations (`{car: 3}`; `{}`: none), or null while not yet
   *  counted (a task nobody opened since Tandem was upgraded, counted in the background at start). */
  labelCounts: Record<string, number> | null;
  /** The image's own attribute values as its task holds them (only those set; the project's
   *  settings.imageAttributes say the defaults), or null while not yet mirrored. */
  imageAttributes: Record<string, boolean | string | number> | null;
  /** Its objects' attribute values counted per label: label → attribute → value as JSON → objects
   *  (`{"car": {"occluded": {"true": 2, "false": 1}}}`; values not itemised under `*`:
   *  shared/schema/attributeCounts.ts), or null while not yet mirrored. */
  attributeCounts: Record<string, Record<string, Record<string, number>>> | null;
  /** Its masks' checks (shared/schema/objectChecks.ts): `duplicate` pairs of objects drawn twice,
   *  objects with `specks`, `tiny` objects (at the default thresholds), `byLabel` the specks and tiny
   *  ones per label, and the candidates a project's own thresholds count from: `pairs` ([IoU, share
   *  of the smaller inside the other, same label 1/0]) and `small` (per label, [area, image pixels])
   *  (the project's `settings.checks` are not applied: a client applies them); null while not yet mirrored. */
  objectChecks: CheckCounts | null;
  /** The id of an earlier task of the project whose image looks like this one (the same photo
   *  re-encoded or resized, a burst's twin frame: by perceptual hash), or null. */
  looksLike: string | null;
}

/** Most task assignments one request may change (a project's whole upload, distributed). */
export const MAX_ASSIGNMENTS = 10_000;

/** Body of `PUT /api/projects/:id/assignments`: each task's new assignee, null to unassign. */
export const AssignTasksSchema = z.object({
  assignments: z
    .array(z.object({ taskId: z.string().min(1).max(64), userId: z.string().min(1).max(64).nullable() }))
    .min(1)
    .max(MAX_ASSIGNMENTS),
});
/** {@link AssignTasksSchema}'s type. */
export type AssignTasks = z.infer<typeof AssignTasksSchema>;
/** Response of `GET /api/me`. */
export interface Me {
  id: string;
  name: string;
  isAdmin: boolean;
}
