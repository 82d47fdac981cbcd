#include "config.h"
#include "app.h"
#include "extra.h"

int main(void)
{
    return 0;
}
