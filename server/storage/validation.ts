// zod schemas for what stores accept, shared by every backend so SQLite and PostgreSQL refuse the
// same inputs with the same error (validation_failed).
import { z } from 'zod';
import { GuideSchema, LabelListSchema, ProjectSettingsSchema } from '../../shared/protocol/http';
import { AttributeValuesSchema } from '../../shared/schema/attributes';
import { TaskFlagReasons } from '../../shared/schema/review';
import { TaskStatuses } from './types';

export const UserNameSchema = z.string().trim().min(1).max(200);
export const ProjectNameSchema = z.string().trim().min(1).max(200);

/** The API's label list (names, colours, attribute definitions): the stores accept what it accepts. */
export const LabelsSchema = LabelListSchema;
export { GuideSchema, ProjectSettingsSchema };

export const TaskStatusSchema = z.enum(TaskStatuses);
/** A task row's flag: the reason of its review room's flag, or null. */
export const TaskFlagSchema = z.enum(TaskFlagReasons).nullable();
/** A task row's count of objects with changes requested. */
export const TaskToFixSchema = z.number().int().min(0).max(1_000_000);
/** A task row's open threads and the member names they mention. */
export const TaskThreadsSchema = z.object({ open: z.number().int().min(0).max(1_000_000), mentioned: z.array(UserNameSchema).max(1000) });
/** The image's own attribute values a task row mirrors (its room's root map `image`). */
export const TaskImageAttributesSchema = AttributeValuesSchema.refine((r) => Object.keys(r).length <= 100, 'at most 100 image attributes');
/** Objects per label of one task: labels as the annotation schema allows them, counts >= 1. */
export const TaskLabelCountsSchema = z
  .record(z.string().min(1).max(100), z.number().int().min(1).max(10_000_000))
  .refine((r) => Object.keys(r).length <= 1000, 'at most 1000 labels');

/** A task image's perceptual hash (images/imageHash.ts). */
/** An activity entry as stored: its detail small (the route's summary, never a payload). */
export const NewActivitySchema = z.object({
  projectId: z.string().min(1).max(100),
  at: z.number().int().min(0),
  userId: z.string().min(1).max(100),
  action: z.string().regex(/^[a-z][a-z.-]{0,63}$/),
  detail: z.record(z.string(), z.unknown()).refine((d) => JSON.stringify(d).length <= 4000, 'an activity detail is at most 4,000 characters of JSON'),
});

export const ImageHashSchema = z.string().regex(/^[0-9a-f]{32}$/);

export const TaskInputSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  projectId: z.string().min(1),
  name: z.string().trim().min(1).max(500),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  imageKey: z.string().min(1).max(500),
  mime: z.enum(['image/jpeg', 'image/png', 'image/webp']),
  /** SHA-256 of the image's bytes (hex): an import by URL finds the same image already in the project. */
  contentHash: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  imageHash: ImageHashSchema.optional(),
});

/** Room names are "task:<id>" or "review:<id>" in practice; stores only bound their length. */
export const RoomNameSchema = z.string().min(1).max(256);
