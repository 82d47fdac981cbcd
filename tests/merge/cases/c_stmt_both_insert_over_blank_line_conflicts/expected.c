int load(struct ctx *ctx)
{
    if (init(ctx) == ERR)
        return ERR;

    if (add(ctx, "call") == ERR)
        return ERR;
<<<<<<< ours
    if (add(ctx, "ld") == ERR)
        return ERR;
=======
    if (add(ctx, "flush") == ERR)
        return ERR;

>>>>>>> theirs
    return OK;
}
