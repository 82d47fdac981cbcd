import { a, b } from "x";

export function f() {}
