"""One module per Azure trigger binding; ``portafunc_azure.adapter`` maps functions to them."""
