static UINT init(void)
{
	return 0;
}

/**
 * Function description
 *
 * @return 0 on success
 */
static UINT terminated(void)
{
	return 2;
}

/**
 * Function description
 *
 * @return 0 on success
 */
static UINT detached(void)
{
	return 1;
}

/**
 * Function description
 *
 * @return 0 on success
 */
#ifdef BUILTIN_CHANNELS
#define entry_point ecam_entry
#endif
