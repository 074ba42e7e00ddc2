from flask import current_app

from ..blueprint import Blueprint
from ..schemas import PAGINATION_HEADER, ErrorSchema
from .schemas import CustomerListArgs, CustomerSchema
from .service import customer_row_to_dict, get_customer_or_404, list_customers

blp = Blueprint("customers", __name__, url_prefix="/api/customers", description="The customer roster.")


@blp.route("")
@blp.arguments(CustomerListArgs, location="query", as_kwargs=False)
@blp.response(200, CustomerSchema(many=True), headers=PAGINATION_HEADER)
@blp.doc(
    summary="List customers",
    description=(
        "Customers ordered by `cid` (`sort=cid`, the default) or the other way round (`sort=-cid`), "
        "filtered by Area, customer type, the CRM's `has_*` flags, account executive or name. Use "
        "`page` for numbered pages, or `after=<cid>` (start with `after=0`, in either order) to walk "
        "the whole roster at constant cost; `page` and `after` together get 422."
    ),
)
def list_customers_view(args):
    page = list_customers(args)
    body = [customer_row_to_dict(row) for row in page.items]
    return current_app.json.response(body), 200, page.headers


@blp.route("/<int:cid>")
@blp.response(200, CustomerSchema)
@blp.alt_response(404, schema=ErrorSchema, description="No customer with this CID.")
@blp.doc(summary="Get a customer", description="One customer by its CID.")
def get_customer_view(cid):
    return get_customer_or_404(cid)
