int load(struct ctx *ctx)
{
    if (init(ctx) == ERR)
        return ERR;

    if (add(ctx, "call") == ERR)
        return ERR;
    if (add(ctx, "ld") == ERR)
        return ERR;
    return OK;
}
