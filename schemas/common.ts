// TypeBox helpers shared by every protocol's schemas. Use `t` from elysia (TypeBox 0.34); the
// `typebox` 1.x package breaks Elysia 1.4.
import { t, type TSchema } from "elysia";
import { Type, type IntegerOptions } from "@sinclair/typebox";

/** Strict integer: elysia's t.Integer also accepts numeric strings ("5"), which the APIs reject. */
export const Int = (options?: IntegerOptions) => Type.Integer(options);

/** Optional and nullable: SDKs and proxies often send `null` for "not given". */
export const opt = <T extends TSchema>(schema: T, description: string, extra: Record<string, unknown> = {}) =>
  t.Optional(t.Union([schema, t.Null()], { description, ...extra }));
