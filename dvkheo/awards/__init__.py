"""Forms of commendation ("hình thức khen thưởng") and, later, decisions and certificates."""
