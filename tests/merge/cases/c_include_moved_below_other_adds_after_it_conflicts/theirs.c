#include "app.h"
#include "mid.h"
#include "config.h"

int main(void)
{
    return 0;
}
