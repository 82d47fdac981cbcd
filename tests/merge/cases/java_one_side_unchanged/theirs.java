package com.acme;

public class Odd  {
	  int x ;   // mixed tabs and spaces

    void  m( ) { x += 2 ; }



    void n() {}
}
