from django.urls import path

from . import apis

urlpatterns = [
    path("products/", apis.ProductListApi.as_view(), name="product-list"),
    path("products/import", apis.ProductImportApi.as_view(), name="product-import"),
    path("products/<slug:code>/", apis.ProductDetailApi.as_view(), name="product-detail"),
    path("products/<slug:code>/export", apis.ProductExportApi.as_view(), name="product-export"),
    path("products/<slug:code>/publish", apis.ProductPublishApi.as_view(), name="product-publish"),
    path("products/<slug:code>/versions/", apis.ProductVersionListApi.as_view(), name="product-versions"),
]
