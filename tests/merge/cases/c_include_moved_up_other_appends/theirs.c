#include "app.h"
#include "config.h"
#include "extra.h"

int main(void)
{
    return 0;
}
