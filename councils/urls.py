from django.urls import path

from councils import views

urlpatterns = [
    path("", views.home, name="home"),
]
