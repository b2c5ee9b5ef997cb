/**
 * Where a piece of work runs. "Route" is kept for HTTP routes; the dispatcher's choice has
 * its own name. The wire keeps its historical header name, `X-Crunch-Route`, which clients
 * and the README rely on.
 *
 * - inline: on the event loop in one go.
 * - sliced: on the event loop in slices that yield between them.
 * - pool: on the worker threads.
 */
export const placements = ['inline', 'sliced', 'pool'] as const;
export type Placement = (typeof placements)[number];

export function isPlacement(value: string): value is Placement {
  return (placements as readonly string[]).includes(value);
}
