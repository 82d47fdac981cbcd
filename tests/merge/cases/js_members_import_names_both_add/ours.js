import { a, b, c } from "x";

export function f() {}
