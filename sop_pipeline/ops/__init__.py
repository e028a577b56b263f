"""Operations: the monthly schedule, the "month closed" sensor and BI-safe publishing."""
