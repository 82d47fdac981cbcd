package com.acme.orders;

import java.math.BigDecimal;
import java.util.List;

public class OrderService {
    private final List<Order> orders;

    public OrderService(List<Order> orders) {
        this.orders = orders;
    }

    public BigDecimal total() {
        BigDecimal sum = BigDecimal.ZERO;
        for (Order o : orders) {
            sum = sum.add(o.amount());
        }
        return sum;
    }
    public long count() {
        return orders.size();
    }
}
