import { a, b, c, d } from "x";

export function f() {}
