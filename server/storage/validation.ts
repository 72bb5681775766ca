// zod schemas for what stores accept, shared by every backend so SQLite and PostgreSQL refuse the
// same inputs with the same error (validation_failed).
import { z } from 'zod';
import { TaskStatuses } from './types';

export const UserNameSchema = z.string().trim().min(1).max(200);
export const ProjectNameSchema = z.string().trim().min(1).max(200);

export const LabelSchema = z.object({
  name: z.string().trim().min(1).max(100),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'a color is #rrggbb'),
});
export const LabelsSchema = z.array(LabelSchema).max(1000).refine(
  (ls) => new Set(ls.map((l) => l.name)).size === ls.length,
  'label names must be unique',
);

export const TaskStatusSchema = z.enum(TaskStatuses);

export const TaskInputSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/).optional(),
  projectId: z.string().min(1),
  name: z.string().trim().min(1).max(500),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  imageKey: z.string().min(1).max(500),
  mime: z.enum(['image/jpeg', 'image/png', 'image/webp']),
});

/** Room names are "task:<id>" or "review:<id>" in practice; stores only bound their length. */
export const RoomNameSchema = z.string().min(1).max(256);
