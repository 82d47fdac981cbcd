import { Injectable, Inject } from "@angular/core";
import type { Request, Response } from "express";
import * as crypto from "crypto";
import Logger, { LogLevel as Level } from "./logger";
import config = require("../config");
export { Clock } from "./clock";
export * as util from "./util";

/** Identifies a user. */
export type UserId = string & { readonly __brand: "UserId" };

type Maybe<T> = T | undefined;

export enum Role {
  Admin = "admin",
  Member = "member",
}

const enum Flags {
  None = 0,
  Active = 1 << 0,
}

/**
 * Anything that can be stored.
 */
export interface Entity<K> {
  readonly id: K;
  createdAt: Date;
  /** Validate before saving. */
  validate(): boolean;
  toJSON?(): object;
}

interface Repository<T extends Entity<UserId>> {
  find(id: UserId): Promise<Maybe<T>>;
  save(item: T): Promise<void>;
}

declare function fetchRemote(url: string): Promise<unknown>;
declare const BUILD_ID: string;

declare module "legacy-cache" {
  export function get(key: string): string | null;
  export const version: number;
}

export function hash(input: string): string;
export function hash(input: Uint8Array): string;
export function hash(input: string | Uint8Array): string {
  return crypto.createHash("sha256").update(input).digest("hex");
}

export abstract class BaseService<T extends Entity<UserId>> {
  protected readonly log = new Logger("service");
  private cache = new Map<UserId, T>();

  constructor(protected repo: Repository<T>) {}

  abstract describe(): string;

  /** Look up by id, through the cache. */
  async get(id: UserId): Promise<Maybe<T>> {
    const hit = this.cache.get(id);
    if (hit) {
      return hit;
    }
    const found = await this.repo.find(id);
    if (found) this.cache.set(id, found);
    return found;
  }

  private evict(id: UserId): void {
    this.cache.delete(id);
    this.log.write(Level.Debug, `evicted ${id}`);
  }
}

export namespace Auth.Tokens {
  export const TTL = 3600;

  export class Signer {
    constructor(private secret: string) {}

    sign(payload: object): string {
      return crypto.createHmac("sha256", this.secret).update(JSON.stringify(payload)).digest("hex");
    }
  }

  function pad(s: string): string {
    return s.padEnd(16, "=");
  }
}

@Injectable()
export class UserService extends BaseService<User> {
  static readonly instances: number = 0;

  constructor(@Inject("repo") repo: Repository<User>) {
    super(repo);
  }

  describe(): string {
    return "users";
  }

  @Audit("role-change")
  @Retry(3)
  public async promote(id: UserId, role: Role = Role.Admin): Promise<void> {
    const user = await this.get(id);
    if (!user) throw new NotFoundError(id);
    user.role = role;
    await this.repo.save(user);
  }

  #token(): string {
    return new Auth.Tokens.Signer(config.secret).sign({ at: Date.now() });
  }
}

class User implements Entity<UserId> {
  role: Role = Role.Member;
  createdAt = new Date();
  constructor(public readonly id: UserId) {}
  validate(): boolean {
    return this.id.length > 0;
  }
}

class NotFoundError extends Error {}

export const toUserId = (s: string): UserId => s as UserId;

export default UserService;
