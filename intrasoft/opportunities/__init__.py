"""CRM opportunities: deals tied to a customer, with status, probability and revenue."""
