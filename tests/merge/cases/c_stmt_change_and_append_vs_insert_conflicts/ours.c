void draw(struct ctx *c)
{
    int k;

    for (k = 0; k < c->used; k++) {
        if (c->r[k].nx != 0)
            line(c, k);
    }

    images(c);
}
