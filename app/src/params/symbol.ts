// Route matcher: a path segment is a symbol when it looks like one the database accepts.
import type { ParamMatcher } from '@sveltejs/kit';

export const match = ((param: string): param is string => /^[A-Za-z0-9]{2,20}$/.test(param)) satisfies ParamMatcher;
