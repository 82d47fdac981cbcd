package com.acme.alerts;

public enum Severity {
    LOW,
    MEDIUM,
    HIGH,
    CRITICAL,
}
