"""The customer roster's reference values: the sales Areas, the products a customer subscribes
to, and the customer types the seed uses. Opportunities and revenue speak of the same Areas
and products, so they import them from here (customers <- opportunities <- revenue)."""

AREAS = ("France", "Germany", "Switzerland", "Netherlands", "UK")
PRODUCTS = ("accounting", "time_entry", "payroll", "expenses")
#: The customer types the seed uses (the CRM's ``Customer_Type`` is free text).
CUSTOMER_TYPES = ("SMB", "Mid-Market", "Enterprise")
