import { a, b, d } from "x";

export function f() {}
