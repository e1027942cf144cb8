#include <stdio.h>
int main(void)
{
        puts("bootherd");
        return 0;
}
