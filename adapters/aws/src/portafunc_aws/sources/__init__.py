"""One module per Lambda event source; ``portafunc_aws.matching`` lists them in order."""
