void draw(struct ctx *c)
{
    int k;

    for (k = 0; k < c->used; k++) {
        if (c->rr[k].nx != 0)
            line(c, k);
    }
    free(c->rr);
}
