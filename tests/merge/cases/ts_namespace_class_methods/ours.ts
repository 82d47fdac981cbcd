export namespace Geometry {
  export class Vec {
    constructor(public x: number, public y: number) {}

    length(): number {
      return Math.hypot(this.x, this.y);
    }
    add(o: Vec): Vec {
      return new Vec(this.x + o.x, this.y + o.y);
    }
  }

  export const ORIGIN = new Vec(0, 0);
}
